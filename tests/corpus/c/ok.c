/* The one healthy file of the broken tree: its message must be in every report. */
void log_message(int, const char *, ...);
int main(void) { log_message(6, "corpus tree started"); return 0; }
