// SPDX-License-Identifier: GPL-2.0
/*
 * insn_profile.c - a QEMU TCG plugin that counts the guest instructions
 * executed in each translated block of kernel code, keyed by the block's
 * first address (one bucket for user space), for 'make profile'.
 *
 * Whenever the guest executes the block that starts at the address given
 * as mark=ADDR (the entry of a system call, say), the counts so far are
 * written to OUT/prof.NNN and reset: a guest script brackets each run
 * with that system call and gets one file per run.  The counts are also
 * written at exit.
 *
 * Plugin arguments: mark=0x..., out=DIR.
 *
 * Written against the plugin API of QEMU 7.2 (version 1), whose header
 * Debian does not ship: the few declarations used are below.  A block is
 * counted whole each time it is entered (an inline add, no callback), so
 * a fault taken within a block counts the instructions after it too; the
 * tables compare two paths in one boot, where that is the same on both.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index,
					    void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags,
					  void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/* x86-64: kernel addresses have the top bit set. */
#define KERNEL_START	0xffff800000000000ull
#define USER_KEY	1ull

#define SLOTS_SHIFT	20
#define SLOTS		(1u << SLOTS_SHIFT)

struct slot {
	uint64_t vaddr;
	uint64_t count;
};

/* Open addressing, at most half full; then the last slot takes the rest. */
static struct slot *slots;
static unsigned int used;
static uint64_t mark;
static const char *outdir = ".";
static unsigned int seq;

static struct slot *lookup(uint64_t vaddr)
{
	uint64_t h = (vaddr * 0x9e3779b97f4a7c15ull) >> (64 - SLOTS_SHIFT);
	unsigned int i;

	for (i = 0; i < SLOTS - 1; i++) {
		struct slot *s = &slots[(h + i) % (SLOTS - 1)];

		if (s->vaddr == vaddr)
			return s;
		if (!s->vaddr) {
			if (used >= SLOTS / 2)
				break;
			used++;
			s->vaddr = vaddr;
			return s;
		}
	}
	return &slots[SLOTS - 1];
}

static void dump(void)
{
	char name[4096];
	unsigned int i;
	FILE *f;

	snprintf(name, sizeof(name), "%s/prof.%03u", outdir, seq++);
	f = fopen(name, "w");
	for (i = 0; i < SLOTS; i++) {
		if (!slots[i].count)
			continue;
		if (f)
			fprintf(f, "%llx %llu\n", (unsigned long long)slots[i].vaddr,
				(unsigned long long)slots[i].count);
		slots[i].count = 0;
	}
	if (f)
		fclose(f);
}

static void on_mark(unsigned int vcpu_index, void *userdata)
{
	dump();
}

static void on_exit_cb(qemu_plugin_id_t id, void *userdata)
{
	dump();
}

static void on_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	struct slot *s = lookup(vaddr >= KERNEL_START ? vaddr : USER_KEY);

	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &s->count,
						 qemu_plugin_tb_n_insns(tb));
	if (mark && vaddr == mark)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_mark,
						     QEMU_PLUGIN_CB_NO_REGS,
						     NULL);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "mark=", 5))
			mark = strtoull(argv[i] + 5, NULL, 0);
		else if (!strncmp(argv[i], "out=", 4))
			outdir = strdup(argv[i] + 4);
	}
	/* The last slot, at address 0, counts the blocks that did not fit. */
	slots = calloc(SLOTS, sizeof(*slots));
	if (!slots || !outdir)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_trans);
	qemu_plugin_register_atexit_cb(id, on_exit_cb, NULL);
	return 0;
}
