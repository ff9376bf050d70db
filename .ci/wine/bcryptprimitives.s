# A stand-in bcryptprimitives.dll for Wine 8.0, which lacks it: Go 1.24+
# binaries for Windows load ProcessPrng from it at start-up. The DLL has
# no code but this entry point; bcryptprimitives.def forwards
# ProcessPrng to advapi32's SystemFunction036 (RtlGenRandom), which
# fills a buffer with random bytes just as ProcessPrng does. Built by
# .ci/run with x86_64-w64-mingw32-as and x86_64-w64-mingw32-ld --dll.
	.text
	.globl	DllMain
DllMain:
	movl	$1, %eax	# TRUE: loading succeeds
	ret
