import sys

from apm_designer.cli import main

sys.exit(main())
