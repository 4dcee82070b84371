# facecrypt — build, test, demo.  See README.md.
#   make            build build/facecrypt and build/libfacecrypt.a
#   make test       install missing Debian packages, build, run the whole test suite
#   make demo       install missing Debian packages, build, run the demo
#   make asan       run the test suite under AddressSanitizer + UBSan
#   make tests      build the test binaries without running them
CC      ?= cc
BUILD   ?= build
OPT     ?= -O3 -march=native
# Warning switches one compiler has and another rejects (clang: -Werror makes an unknown
# -W option an error) are probed: a flag is used only where $(CC) accepts it.
cc_flag = $(shell $(CC) -Werror $(1) -x c -c /dev/null -o /dev/null 2>/dev/null && echo $(2))
WARN_CFLAGS := $(call cc_flag,-Wformat-truncation,-Wno-format-truncation)
# -ffp-contract=off: a*b+c rounds twice, as written (gcc's default for -std=c11; clang would
# fuse it into an FMA, and Adam's update would no longer be PyTorch's arithmetic).
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $(WARN_CFLAGS) -ffp-contract=off -g $(OPT) -fopenmp -Iinclude
# The library sees its own tree; only the public API (FC_API in include/) is exported.
LIB_CFLAGS := -Isrc -fvisibility=hidden
# The CLI is a client of the public headers: include/ and its own folder, nothing else.
CLI_CFLAGS := -Isrc/cli
LDLIBS  += -lopenblas -lsodium -ljpeg -lpng -lz -lm -lpthread
LDFLAGS += -fopenmp

# MPI data parallelism (docs/distributed.md): on when mpicc (Debian: libopenmpi-dev) is
# found, else the build has single-process fallbacks.  `make MPI=0` forces it off.
# Only src/train/dist.c sees MPI (FC_HAVE_MPI); everything links its library.
MPICC ?= mpicc
MPI   ?= $(if $(shell command -v $(MPICC) 2>/dev/null),1,0)
ifeq ($(MPI),1)
MPI_CFLAGS := -DFC_HAVE_MPI $(shell $(MPICC) --showme:compile)
LDLIBS     += $(shell $(MPICC) --showme:link)
endif

LIB_SRC := $(sort $(shell find src -name '*.c' ! -path 'src/cli/*'))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
TEST_SRC:= $(sort $(wildcard tests/test_*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_BIN:= $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
DEPS    := $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_BIN:=.d) $(BUILD)/tests/testutil.d

.PHONY: all tests test check demo asan valgrind deps clean
all: $(BUILD)/facecrypt
# every test binary, built and not run (make test runs them)
tests: $(TEST_BIN)

# Everything is rebuilt when the compiler changes (make CC=clang in a tree gcc built):
# the stamp names the compiler, as MPI_STAMP below names the MPI setting.
CC_STAMP := $(BUILD)/.cc-$(notdir $(lastword $(CC)))
$(CC_STAMP):
	@mkdir -p $(BUILD)
	@rm -f $(BUILD)/.cc-*
	@touch $@

$(BUILD)/src/%.o: src/%.c $(CC_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) $(LIB_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/src/cli/%.o: src/cli/%.c $(CC_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) $(CLI_CFLAGS) -MMD -MP -c $< -o $@

# Adam's update loop asks for SIMD (#pragma omp ... simd); its sqrtf of v >= 0 never sets
# errno, and without errno clang can vectorise it (with -fmath-errno clang -Werror fails:
# "loop not vectorized", -Wpass-failed).  The same arithmetic, correctly rounded either way.
$(BUILD)/src/nn/adam.o: CFLAGS += -fno-math-errno

# The shipped generators (models/NAME.safetensors) are embedded into the library, each
# selectable by NAME (--model NAME); DEFAULT_MODEL names the one used without --model.
BUILTIN_MODELS := $(sort $(wildcard models/*.safetensors))
DEFAULT_MODEL  ?= face
ifneq ($(BUILTIN_MODELS),)
$(BUILD)/gen/builtin_models.h: $(BUILTIN_MODELS) Makefile
	@mkdir -p $(dir $@)
	@{ printf '#define FC_BUILTIN_DEFAULT "%s"\n#define FC_BUILTIN_MODELS' '$(DEFAULT_MODEL)'; \
	   for f in $(BUILTIN_MODELS); do n=$$(basename $$f .safetensors); \
	     printf ' \\\n    FC_BUILTIN(%s, "%s")' "$$n" "$$f"; done; printf '\n'; } > $@.tmp
	@mv $@.tmp $@
$(BUILD)/src/model/default_model.o: CFLAGS += -DFC_HAVE_BUILTIN_MODELS -I$(BUILD)/gen
$(BUILD)/src/model/default_model.o: $(BUILD)/gen/builtin_models.h $(BUILTIN_MODELS)
endif

# dist.o is rebuilt when MPI is switched on or off (the stamp names the setting)
MPI_STAMP := $(BUILD)/.mpi-$(MPI)
$(MPI_STAMP):
	@mkdir -p $(BUILD)
	@rm -f $(BUILD)/.mpi-*
	@touch $@
$(BUILD)/src/train/dist.o: CFLAGS += $(MPI_CFLAGS)
$(BUILD)/src/train/dist.o: $(MPI_STAMP)

$(BUILD)/libfacecrypt.a: $(LIB_OBJ)
	@rm -f $@
	@echo "  AR  $@"
	@ar rcs $@ $^

$(BUILD)/facecrypt: $(CLI_OBJ) $(BUILD)/libfacecrypt.a
	@echo "  LD  $@"
	@$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/testutil.o: tests/testutil.c tests/testutil.h $(CC_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc -MMD -MP -c $< -o $@

$(BUILD)/tests/refdata.o: tests/refdata.c tests/refdata.h $(CC_STAMP)
	@mkdir -p $(dir $@)
	@$(CC) $(CFLAGS) -Isrc -MMD -MP -c $< -o $@

TEST_OBJ := $(BUILD)/tests/testutil.o $(BUILD)/tests/refdata.o
$(BUILD)/tests/%: tests/%.c $(TEST_OBJ) $(BUILD)/libfacecrypt.a $(CC_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) -Isrc -MMD -MP $< $(TEST_OBJ) $(BUILD)/libfacecrypt.a -o $@ $(LDFLAGS) $(LDLIBS)

deps:
	@tools/install-deps.sh

test check: deps
	@$(MAKE) --no-print-directory $(BUILD)/facecrypt $(TEST_BIN)
	@BUILD=$(BUILD) tests/run.sh

demo: deps
	@$(MAKE) --no-print-directory $(BUILD)/facecrypt
	@tools/demo.sh $(BUILD)/facecrypt

asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fopenmp -fsanitize=address,undefined" build-asan/facecrypt $(TEST_BIN:$(BUILD)/%=build-asan/%)
	@BUILD=build-asan FC_SANITIZE=1 ASAN_OPTIONS=detect_leaks=1 tests/run.sh

# A short training run (and an encrypt/decrypt round trip) under valgrind.  valgrind does not
# decode AVX-512, so this build targets AVX2 and OpenBLAS is told to use its AVX2 kernels.
valgrind: deps
	@$(MAKE) --no-print-directory BUILD=build-vg OPT="-O1 -march=x86-64-v3" build-vg/facecrypt
	@OPENBLAS_CORETYPE=Haswell tools/valgrind-check.sh build-vg/facecrypt

clean:
	rm -rf build build-asan build-vg build-fuzz build-clang

-include $(DEPS)

# ---- fuzzing (libFuzzer + ASan + UBSan, clang) ------------------------------------
#   make fuzz-image | fuzz-safetensors | fuzz-container [FUZZ_TIME=60]
#   make fuzz-smoke     every target for FUZZ_SMOKE_TIME seconds (CI)
FUZZ_CC   ?= clang
FUZZ_TIME ?= 60
FUZZ_SMOKE_TIME ?= 20
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
              -fno-sanitize-recover=undefined -Iinclude -Isrc

FUZZ_IMAGE_SRC := tests/fuzz/fuzz_image_decode.c src/data/image_io.c src/data/resize.c src/util/error.c src/util/fileio.c
build-fuzz/fuzz_image_decode: $(FUZZ_IMAGE_SRC) src/data/image_internal.h include/facecrypt.h
	@mkdir -p build-fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_IMAGE_SRC) -o $@ -ljpeg -lpng -lz
fuzz-image: build-fuzz/fuzz_image_decode
	@mkdir -p build-fuzz/corpus-image
	./build-fuzz/fuzz_image_decode -max_total_time=$(FUZZ_TIME) -max_len=65536 build-fuzz/corpus-image

FUZZ_ST_SRC := tests/fuzz/fuzz_safetensors.c src/model/safetensors.c src/model/safetensors_write.c \
               src/model/half.c src/util/error.c src/util/fileio.c
build-fuzz/fuzz_safetensors: $(FUZZ_ST_SRC) src/model/safetensors.h
	@mkdir -p build-fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_ST_SRC) -o $@
fuzz-safetensors: build-fuzz/fuzz_safetensors
	@mkdir -p build-fuzz/corpus-safetensors
	@cp tests/data/torch_small.safetensors build-fuzz/corpus-safetensors/seed-torch_small
	./build-fuzz/fuzz_safetensors -max_total_time=$(FUZZ_TIME) -max_len=4096 \
	  -dict=tests/fuzz/safetensors.dict build-fuzz/corpus-safetensors

fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz-image FUZZ_TIME=$(FUZZ_SMOKE_TIME)
	@$(MAKE) --no-print-directory fuzz-safetensors FUZZ_TIME=$(FUZZ_SMOKE_TIME)
	@$(MAKE) --no-print-directory fuzz-container FUZZ_TIME=$(FUZZ_SMOKE_TIME)

.PHONY: fuzz-image fuzz-safetensors fuzz-smoke

# ---- generated-face quality (tools/haar_score.py, docs/eval-gan.md) ----------------
#   make haar-score MODEL=RUN/checkpoint.safetensors [HAAR_ARGS="--n 256 --seed 1 --json"]
haar-score: $(BUILD)/facecrypt
	@test -n "$(MODEL)" || { echo "usage: make haar-score MODEL=checkpoint.safetensors" >&2; exit 1; }
	@tools/install-deps.sh python3-opencv opencv-data python3-numpy
	/usr/bin/python3 tools/haar_score.py --model "$(MODEL)" --facecrypt $(BUILD)/facecrypt $(HAAR_ARGS)
.PHONY: haar-score
# fuzz-container: the container reader (extraction + authentication) on images made from fuzz bytes
FUZZ_CONTAINER_SRC := tests/fuzz/fuzz_container.c src/stego/open.c src/stego/open_v1.c src/stego/open_v2.c src/stego/slots.c src/stego/container.c src/stego/cover_fit.c src/stego/cover_quality.c \
                      src/stego/limits.c src/stego/face_grid.c src/stego/body_stc.c src/stego/stc.c src/stego/costs.c \
                      src/stego/layout.c src/stego/lsb.c src/stego/perm.c src/crypto/keys.c src/crypto/seal.c \
                      src/crypto/stream.c src/data/image_io.c src/data/resize.c src/util/error.c src/util/fileio.c \
                      tests/fuzz/fuzz_container_nomodel.c
build-fuzz/fuzz_container: $(FUZZ_CONTAINER_SRC) $(wildcard src/stego/*.h src/crypto/*.h) include/facecrypt.h
	@mkdir -p build-fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_CONTAINER_SRC) -o $@ -lsodium -ljpeg -lpng -lz -lm
fuzz-container: build-fuzz/fuzz_container
	@mkdir -p build-fuzz/corpus-container
	./build-fuzz/fuzz_container -max_total_time=$(FUZZ_TIME) -max_len=4096 build-fuzz/corpus-container
.PHONY: fuzz-container

# ---- embedding measurements (tools/stc_measure.c; docs/container-format.md, v2 embedding draft) ----
#   make stc-measure [STC_MEASURE_ARGS="--faces 4 --celeba DIR --photos 8 --time"]
$(BUILD)/tools/stc_measure: tools/stc_measure.c $(BUILD)/libfacecrypt.a $(CC_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS) -Isrc $< $(BUILD)/libfacecrypt.a -o $@ $(LDFLAGS) $(LDLIBS)
stc-measure: $(BUILD)/tools/stc_measure
	$(BUILD)/tools/stc_measure $(STC_MEASURE_ARGS)
.PHONY: stc-measure
