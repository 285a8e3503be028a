tests/guest/build/rv32-spike/rvc.o: /work/main/tests/guest/rvc.c \
 /work/main/tests/guest/rt/rt.h
/work/main/tests/guest/rt/rt.h:
