"""``hotfix-hooks demo``: a sample service (``service.py``) and a whole hotfix played in a
throwaway repository with real git hooks (``story.py``)."""
