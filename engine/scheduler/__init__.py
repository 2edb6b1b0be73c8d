"""The deadline scheduler: sweeps due deadlines and notices into the outbox, and delivers it."""
