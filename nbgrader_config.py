"""nbgrader's configuration, derived from ``course_config.py`` (the one configuration).

nbgrader reads this file from the course root automatically; from elsewhere pass
``--NbGrader.config_file=/path/to/nbgrader_config.py`` (``--config`` is ignored by nbgrader).
"""

import os
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(_ROOT))
import course_config  # noqa: E402

c = get_config()  # noqa: F821  (provided by traitlets when nbgrader loads this file)

c.CourseDirectory.course_id = course_config.COURSE_ID
c.CourseDirectory.root = str(_ROOT)
# The gradebook: course_config.DB_URL (or CNNKIT_DB_URL), else nbgrader's SQLite in the course root.
if os.environ.get("CNNKIT_DB_URL") or course_config.DB_URL:
    c.CourseDirectory.db_url = os.environ.get("CNNKIT_DB_URL") or course_config.DB_URL
# Cell timeout: long enough for the training cells, short enough to stop an infinite loop.
c.Execute.timeout = course_config.CELL_TIMEOUT_S
c.Execute.interrupt_on_timeout = True
# Feedback without the hidden tests' code (nbgrader issue #917), whoever runs generate_feedback
# (the command or the formgrader's button): nbgrader's ClearHiddenTests, then the kit's step for
# the tracebacks and the note where the hidden part ran (cnnkit_course.feedback).
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor  # noqa: E402
from nbgrader.preprocessors import ClearHiddenTests, GetGrades  # noqa: E402

from cnnkit_course.feedback import HiddenTestFeedback  # noqa: E402

c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, HiddenTestFeedback, CSSHTMLHeaderPreprocessor]
# A release is complete whoever generates it (`cnnkit build`, the command, the formgrader's Generate):
# nbgrader's steps, then the kit's (the public test files, the release files: cnnkit_course.build).
from nbgrader.converters import GenerateAssignment  # noqa: E402

from cnnkit_course.build import ReleaseExtras  # noqa: E402

c.GenerateAssignment.preprocessors = [*GenerateAssignment.class_traits()["preprocessors"].default(), ReleaseExtras]
c.ReleaseExtras.course_root = str(_ROOT)
# Grading mode (notebooks load saved models instead of training) follows from nbgrader's own
# NBGRADER_EXECUTION=autograde|validate; hidden tests find autograder/ through the course root.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
