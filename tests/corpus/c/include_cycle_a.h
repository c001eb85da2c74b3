/* no include guard: a.h and b.h include each other until the compiler's depth limit */
#include "include_cycle_b.h"
int from_a;
