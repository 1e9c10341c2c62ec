"""Undo of a facilitator's own board-arranging changes (card moves, theme delete, merge, rename, recolour,
move, accepted suggestions): each such change records what it did as an ``UndoStep`` of that facilitator
in that inquiry, in the database (so every server process sees it); ``board.undo`` undoes one."""
