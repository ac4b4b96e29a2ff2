from fieldvisit.cli import main

main()
