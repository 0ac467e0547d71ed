from vulndesk.cli import main

raise SystemExit(main())
