"""``python -m empathy_sandbox serve ...``"""

import sys

from empathy_sandbox.server.main import main

sys.exit(main(sys.argv[1:]))
