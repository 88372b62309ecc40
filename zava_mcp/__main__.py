from zava_mcp.cli import main

raise SystemExit(main())
