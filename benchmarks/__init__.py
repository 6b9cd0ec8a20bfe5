"""The measurements behind the figures in README.md and benchmarks/README.md.

A package so that each script runs as a module from the project root
(``python -m benchmarks.quality``) and imports the engine and
``benchmarks.common`` without editing ``sys.path``.
"""
