"""``python -m cnnkit_course``: the same as the ``cnnkit`` command."""

import sys

from cnnkit_course.cli import main

sys.exit(main())
