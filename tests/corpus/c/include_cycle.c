#include "include_cycle_a.h"
void log_message(int, const char *, ...);
void cyc(void) { log_message(6, "in the include cycle"); }
