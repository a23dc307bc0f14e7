"""Deciding one (learner, target, day): the problem, the audit MILP and its fast path, plan schedules, and the two independent checkers."""
