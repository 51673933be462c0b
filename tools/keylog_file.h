/* SSLKEYLOGFILE for nssl-client and nssl-server (issue 14 item 7): the tools, not the library,
 * read the variable and write the key-log callback's lines to the file it names, so that
 * Wireshark or another tool can decrypt a capture. For debugging only. */
#ifndef NSSL_TOOLS_KEYLOG_FILE_H
#define NSSL_TOOLS_KEYLOG_FILE_H

#include <nssl/nssl.h>

/* If SSLKEYLOGFILE is set and not empty: open that file for appending (created with mode
 * 0600), say so on stderr and register a key-log callback on ctx that appends each line and a
 * newline. 0 when done or when the variable is unset; -1 (message printed) if the file cannot
 * be opened or the callback cannot be registered. */
int tool_keylog_from_env(NSSLContextHandle ctx);
/* Close the file (if one was opened). */
void tool_keylog_close(void);

#endif
