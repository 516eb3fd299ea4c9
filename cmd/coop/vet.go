package main

import "io"

func vetCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) int { return 2 }
