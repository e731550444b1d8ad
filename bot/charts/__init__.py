"""Pictures of the record, drawn with matplotlib's object API on the Agg canvas (no pyplot, no
display, no global state): one module per picture, each turning values handed to it into a
`Figure`; `figure.png` and `figure.svg` write it. Nothing here reads the store or calls Slack.
"""
