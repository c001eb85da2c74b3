void log_message(int, const char *, ...);
void broken(void) { log_message(6, "this string never ends); }
void after(void) { log_message(6, "after the broken string"); }
