"""Pure rules: no I/O, no database. Each takes what it needs as arguments (time as ``today=``)."""
