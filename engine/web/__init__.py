"""The web interface: Directors, the policy team and auditors act and look in a browser."""
