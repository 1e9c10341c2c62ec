"""Accessibility checks with axe-core, the engine behind most automated WCAG audits.

axe-core comes from the npm registry (`make test` installs the pinned version into .venv/axe; see
AXE_VERSION in the Makefile). It is evaluated in the page through the DevTools protocol, so a page's own
Content-Security-Policy does not stand in its way, and run with the WCAG 2.0, 2.1 and 2.2 A and AA rules."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
RUN = """async (tags) => {
  const options = { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] };
  const results = await axe.run(document, options);
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary.replace(/\\s+/g, ' ')),
    count: v.nodes.length,
  }));
}"""


def violations(page):
    """What axe-core finds against WCAG 2.2 A/AA on the page as it stands now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    return page.evaluate(RUN, WCAG_AA)


def assert_accessible(page, context=""):
    """Fail with every violation listed (rule, impact, the first few elements and why)."""
    found = violations(page)
    if found:
        lines = [f"axe-core: {len(found)} WCAG 2.2 A/AA violation(s) on {context or page.url}:"]
        for v in found:
            lines.append(f"- {v['id']} ({v['impact']}, {v['count']} element(s)): {v['help']}")
            lines.extend(f"    {node}" for node in v["nodes"])
        raise AssertionError("\n".join(lines))
