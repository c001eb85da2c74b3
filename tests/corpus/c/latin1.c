/* café in latin-1, not UTF-8 */
void log_message(int, const char *, ...);
void greet(void) { log_message(6, "déjà vu ÿ"); }
