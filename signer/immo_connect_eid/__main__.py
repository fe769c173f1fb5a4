import sys

from immo_connect_eid.cli import main

sys.exit(main())
