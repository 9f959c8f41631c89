"""The rules engine: loading and checking rule files, evaluating an answer set into ordered
guidance, the texts code adds to every result, and the checks on the words themselves."""
