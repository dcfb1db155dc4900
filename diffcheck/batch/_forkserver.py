"""Imported first by the fork server (`pool._PRELOAD`), for that process alone: its cyclic collector stays paused
while it imports SymPy and diffcheck, since passes over import-time objects free nothing and were a third of its
start-up, which every batch waits for. The workers it forks freeze what they inherit and resume (`pool._worker`)."""

import gc

gc.disable()
