"""Benchmarks (`python -m bench`, `make bench`): not tests, they print a table of figures.

outagebot runs as its own process (`outagebot run`, HTTP mode, a SQLite file, the Web API at a
`SlackSandbox`), fed by a load generator in another process; a bare Bolt app on the same
aiohttp stack (the floor) takes the same load, so the table says what outagebot's own work
costs on top of the framework.
"""
