"""Exports, the harvest page and import (HTTP)."""
