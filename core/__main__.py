import sys

from immo_connect.cli import main

sys.exit(main())
