import FoveaCommands

// The only place that decides exit codes: argument-parser's own for usage errors, 1 for a
// failed run (reported by the command as one line on standard error).
FoveaCommand.main()
