"""The course's own tooling, kept apart from what learners import.

Learners use ``cl.data``, ``cl.models``, ``cl.training``, ``cl.evaluation``, ... ; the modules here
serve the command line (``python -m course_lib``), maintainers and instructors:

``cli``
    argument parsing and the one-line error contract of ``python -m course_lib``
``nbtools``
    ``make-exercises`` and ``strip-notebooks``

Nothing here is imported by ``import course_lib``.
"""
