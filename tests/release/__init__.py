"""Tests of what ships: the wheel and the ilp command, the README's commands, the import layers."""
