void log_message(int, const char *, ...);
void half(void) { log_message(6, "before the comment"); }
/* this comment never ends
void lost(void) { log_message(6, "inside the comment"); }
