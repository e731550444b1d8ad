"""Paging the person on call (issue 25): PagerDuty or Opsgenie, who is on call, acknowledgements."""
