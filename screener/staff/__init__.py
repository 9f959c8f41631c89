"""Staff accounts' rules that need no web: password policy, second factor, recovery codes."""
