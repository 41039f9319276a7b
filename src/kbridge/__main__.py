from kbridge.cli.main import main

raise SystemExit(main())
