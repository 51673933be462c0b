/* The client engine through whole handshakes and the connected state, the peer's flights from
 * the fuzzer (issue 12 item 6; input layout in engine_fuzz.h). Seeds: real transcripts written
 * by record_transcripts.c (both versions, resumption, HelloRetryRequest, client
 * authentication, KeyUpdate). */
#include "engine_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return engine_fuzz_one(0, data, size);
}
