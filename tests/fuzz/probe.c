/* probe.c: the smallest fuzz target; meson links it to see whether a
 * clang can build the real ones (-fsanitize=fuzzer needs compiler-rt). */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
	return 0;
}
