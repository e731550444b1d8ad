"""Where deploys are read from (Heroku releases, GitHub deployments) and how a rollback is asked."""
