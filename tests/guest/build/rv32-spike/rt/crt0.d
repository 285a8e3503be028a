tests/guest/build/rv32-spike/rt/crt0.o: /work/main/tests/guest/rt/crt0.S \
 /work/main/tests/guest/rt/asm.h
/work/main/tests/guest/rt/asm.h:
