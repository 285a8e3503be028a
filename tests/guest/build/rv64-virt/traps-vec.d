tests/guest/build/rv64-virt/traps-vec.o: \
 /work/main/tests/guest/traps-vec.S /work/main/tests/guest/rt/asm.h
/work/main/tests/guest/rt/asm.h:
