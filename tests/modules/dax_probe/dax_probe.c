// SPDX-License-Identifier: GPL-2.0
/*
 * dax_probe: test-only hooks into the kernel for the rust_dax tests.
 *
 * Nothing here is meant for a production kernel: it exists so that the
 * tests can look at the DAX entries of a file and enter a race window of
 * ext4 on purpose.  Its files are in debugfs dax_probe/:
 *
 *  - entries: write the path of a file on a DAX filesystem; reading the
 *    file then lists the DAX entries of its mapping, one a line (see
 *    entries_show()).  The stress test's watchdog writes them into its log
 *    when the workers hang.
 *
 *  - ext4_convert, ext4_convert_wait: write an inode number of ext4 to
 *    ext4_convert to watch the next conversion of that inode for a caller
 *    that zeroes the converted blocks (EXT4_GET_BLOCKS_ZERO: the DAX write
 *    fault and the DAX write(2) into a hole or an unwritten extent).  When
 *    ext4_ext_map_blocks() returns such blocks (tracepoint
 *    ext4_ext_map_blocks_exit), before ext4_map_create_blocks() zeroes
 *    them, the window is "converted" and every task blocked reading
 *    ext4_convert_wait is woken; a task of a higher scheduling priority on
 *    the converting task's CPU runs at once, inside the window, and the
 *    converting task goes on only when it sleeps or ends.  When the
 *    converting task inserts the zeroed blocks into the extent status
 *    tree, the window is "zeroed".  Reading ext4_convert gives the state
 *    (idle, armed, converted or zeroed), the converted range (first block,
 *    length) and the number of waiting tasks; reading ext4_convert_wait
 *    waits for the window and gives the state and the range.  So the race
 *    window is entered every time, on any number of CPUs, without a task
 *    spinning or sleeping where ext4 does not.
 */

#include <linux/dax.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "ext4.h"

static struct dentry *probe_dir;

/* The file whose entries "entries" lists. */
static DEFINE_MUTEX(entries_lock);
static char entries_path[PATH_MAX];

/**
 * entry_line - Print one DAX entry of a mapping
 * @m: The seq_file of "entries"
 * @xa: The mapping's i_pages
 * @index: The index the entry was found at
 * @entry: The entry (a value entry)
 *
 * Prints the index, the order, the flags (L locked, P PMD, Z zero page,
 * E empty), the pfn, whether a task waits on the entry's wait queue (the
 * queue is hashed, so a waiter may be another entry's), and for entries
 * of DAX memory the folio's reference count, map count, order and owner:
 * mapping (the file's own or another) and index, or the share count of a
 * folio shared between files.
 */
static void entry_line(struct seq_file *m, struct xarray *xa,
		       unsigned long index, void *entry)
{
	unsigned long v = xa_to_value(entry);
	unsigned long pfn = v >> DAX_SHIFT;
	struct dax_entry_key key;
	wait_queue_head_t *wq;
	struct folio *folio;
	int waiters;

	wq = dax_entry_waitqueue(xa, index, entry, &key);
	/* A hint for a log only, so a lockless test is enough. */
	waiters = waitqueue_active(wq);
	seq_printf(m, "%lu order %u flags %s%s%s%s pfn %#lx waiters %d",
		   index, v & DAX_PMD ? PMD_ORDER : 0,
		   v & DAX_LOCKED ? "L" : "-", v & DAX_PMD ? "P" : "-",
		   v & DAX_ZERO_PAGE ? "Z" : "-", v & DAX_EMPTY ? "E" : "-",
		   pfn, waiters);
	if (v & (DAX_ZERO_PAGE | DAX_EMPTY) || !pfn_valid(pfn)) {
		seq_putc(m, '\n');
		return;
	}
	folio = pfn_folio(pfn);
	seq_printf(m, " ref %d mapcount %d folio-order %u",
		   folio_ref_count(folio), folio_mapcount(folio),
		   folio_order(folio));
	if (folio->mapping)
		seq_printf(m, " mapping %s index %lu\n",
			   folio->mapping == container_of(xa, struct address_space, i_pages) ?
			   "own" : "other", folio->index);
	else
		seq_printf(m, " share %lu\n", folio->share);
}

/**
 * entries_show - List the DAX entries of the file written to "entries"
 * @m: The seq_file
 * @v: Unused
 *
 * The walk is lockless (RCU), so that it works while a task holds the
 * i_pages lock or an entry lock forever; it may see an entry change under
 * it.
 *
 * Return: 0, or a negative error if the file cannot be opened.
 */
static int entries_show(struct seq_file *m, void *v)
{
	struct address_space *mapping;
	struct file *file;
	void *entry;
	int ret = 0;

	mutex_lock(&entries_lock);
	if (!entries_path[0]) {
		seq_puts(m, "no file: write a path first\n");
		goto out;
	}
	file = filp_open(entries_path, O_RDONLY | O_LARGEFILE, 0);
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		goto out;
	}
	mapping = file->f_mapping;
	seq_printf(m, "%s: ino %llu size %lld nrpages %lu dax %d\n",
		   entries_path, (u64)mapping->host->i_ino,
		   i_size_read(mapping->host), mapping->nrpages,
		   dax_mapping(mapping));
	if (dax_mapping(mapping)) {
		XA_STATE(xas, &mapping->i_pages, 0);

		rcu_read_lock();
		xas_for_each(&xas, entry, ULONG_MAX) {
			if (xas_retry(&xas, entry))
				continue;
			if (xa_is_value(entry))
				entry_line(m, &mapping->i_pages, xas.xa_index,
					   entry);
			else
				seq_printf(m, "%lu not a DAX entry\n",
					   xas.xa_index);
		}
		rcu_read_unlock();
	}
	fput(file);
out:
	mutex_unlock(&entries_lock);
	return ret;
}

static int entries_open(struct inode *inode, struct file *file)
{
	return single_open(file, entries_show, NULL);
}

static ssize_t entries_write(struct file *file, const char __user *buf,
			     size_t count, loff_t *ppos)
{
	char *path;

	if (count >= PATH_MAX)
		return -ENAMETOOLONG;
	path = memdup_user_nul(buf, count);
	if (IS_ERR(path))
		return PTR_ERR(path);
	mutex_lock(&entries_lock);
	strscpy(entries_path, strim(path), sizeof(entries_path));
	mutex_unlock(&entries_lock);
	kfree(path);
	return count;
}

static const struct file_operations entries_fops = {
	.owner = THIS_MODULE,
	.open = entries_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = entries_write,
	.release = single_release,
};

/* The states of the ext4 window, as ext4_convert reads them. */
enum window_state { WINDOW_IDLE, WINDOW_ARMED, WINDOW_CONVERTED, WINDOW_ZEROED };

static const char *const window_names[] = { "idle", "armed", "converted", "zeroed" };

/**
 * struct ext4_window - The watch on one conversion of an ext4 inode
 * @lock: Protects the other members but @wq
 * @ino: The inode armed for, 0 once the conversion was seen or disarmed
 * @state: An enum window_state
 * @task: The task that converted, until it zeroed (only compared)
 * @lblk: The first block of the converted range
 * @len: The number of blocks of the converted range
 * @waiters: Tasks waiting in ext4_convert_wait
 * @wq: Where they wait
 */
struct ext4_window {
	spinlock_t lock;	/* protects the other members but @wq */
	u64 ino;
	int state;
	struct task_struct *task;
	u32 lblk;
	u32 len;
	int waiters;
	wait_queue_head_t wq;
};

static struct ext4_window window = {
	.lock = __SPIN_LOCK_UNLOCKED(window.lock),
	.wq = __WAIT_QUEUE_HEAD_INITIALIZER(window.wq),
};

static struct tracepoint *map_exit_tp, *es_insert_tp;

/**
 * ext4_map_exit_probe - Probe of the tracepoint ext4_ext_map_blocks_exit
 * @data: Unused
 * @inode: The inode being mapped
 * @flags: The EXT4_GET_BLOCKS_* flags of the call
 * @map: The result
 * @ret: The number of blocks mapped, or a negative error
 *
 * Opens the window if it is armed for @inode and the call returns new
 * blocks that its caller is to zero: ext4 has converted the blocks (and,
 * without the fix in patches/, published them as written in the extent
 * status tree), ext4_map_create_blocks() zeroes them next.  Wakes the
 * tasks in ext4_convert_wait; one of a higher priority on this CPU runs
 * before the converting task goes on.
 */
static void ext4_map_exit_probe(void *data, struct inode *inode,
				unsigned int flags, struct ext4_map_blocks *map,
				int ret)
{
	const unsigned int new = EXT4_MAP_NEW | EXT4_MAP_MAPPED;

	if (!READ_ONCE(window.ino) || ret <= 0 ||
	    !(flags & EXT4_GET_BLOCKS_ZERO) || (map->m_flags & new) != new)
		return;
	spin_lock(&window.lock);
	/* One conversion, once. */
	if (window.ino != inode->i_ino) {
		spin_unlock(&window.lock);
		return;
	}
	window.ino = 0;
	window.lblk = map->m_lblk;
	window.len = map->m_len;
	window.task = current;
	window.state = WINDOW_CONVERTED;
	spin_unlock(&window.lock);
	wake_up_all(&window.wq);
}

/**
 * ext4_es_insert_probe - Probe of the tracepoint ext4_es_insert_extent
 * @data: Unused
 * @inode: The inode
 * @es: The extent inserted
 *
 * The converting task's first insertion into the extent status tree after
 * the window opened is the one of ext4_map_create_blocks(), after zeroing:
 * the window is closed.
 */
static void ext4_es_insert_probe(void *data, struct inode *inode,
				 struct extent_status *es)
{
	if (READ_ONCE(window.task) != current)
		return;
	spin_lock(&window.lock);
	if (window.task == current && window.state == WINDOW_CONVERTED) {
		window.task = NULL;
		window.state = WINDOW_ZEROED;
	}
	spin_unlock(&window.lock);
}

/* The state and the range, as "STATE LBLK LEN". */
static int window_line(char *buf, size_t size)
{
	int n;

	spin_lock(&window.lock);
	n = scnprintf(buf, size, "%s %u %u", window_names[window.state],
		      window.lblk, window.len);
	spin_unlock(&window.lock);
	return n;
}

static int ext4_convert_show(struct seq_file *m, void *v)
{
	char line[64];
	int waiters;

	window_line(line, sizeof(line));
	spin_lock(&window.lock);
	waiters = window.waiters;
	spin_unlock(&window.lock);
	seq_printf(m, "%s %d\n", line, waiters);
	return 0;
}

static int ext4_convert_open(struct inode *inode, struct file *file)
{
	return single_open(file, ext4_convert_show, NULL);
}

static ssize_t ext4_convert_write(struct file *file, const char __user *buf,
				  size_t count, loff_t *ppos)
{
	u64 ino;
	int ret;

	ret = kstrtou64_from_user(buf, count, 0, &ino);
	if (ret)
		return ret;
	spin_lock(&window.lock);
	window.ino = ino;
	window.task = NULL;
	window.lblk = 0;
	window.len = 0;
	window.state = ino ? WINDOW_ARMED : WINDOW_IDLE;
	spin_unlock(&window.lock);
	wake_up_all(&window.wq);
	return count;
}

static const struct file_operations ext4_convert_fops = {
	.owner = THIS_MODULE,
	.open = ext4_convert_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.write = ext4_convert_write,
	.release = single_release,
};

static bool window_armed(void)
{
	bool armed;

	spin_lock(&window.lock);
	armed = window.state == WINDOW_ARMED;
	spin_unlock(&window.lock);
	return armed;
}

/* Blocks until the window opens (or the watch is disarmed). */
static ssize_t ext4_convert_wait_read(struct file *file, char __user *buf,
				      size_t count, loff_t *ppos)
{
	char line[64];
	int len, ret;

	if (*ppos)
		return 0;
	spin_lock(&window.lock);
	window.waiters++;
	spin_unlock(&window.lock);
	ret = wait_event_interruptible(window.wq, !window_armed());
	spin_lock(&window.lock);
	window.waiters--;
	spin_unlock(&window.lock);
	if (ret)
		return ret;
	len = window_line(line, sizeof(line) - 1);
	line[len++] = '\n';
	return simple_read_from_buffer(buf, count, ppos, line, len);
}

static const struct file_operations ext4_convert_wait_fops = {
	.owner = THIS_MODULE,
	.read = ext4_convert_wait_read,
};

static void find_tracepoints(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "ext4_ext_map_blocks_exit"))
		map_exit_tp = tp;
	else if (!strcmp(tp->name, "ext4_es_insert_extent"))
		es_insert_tp = tp;
}

static int __init dax_probe_init(void)
{
	int ret;

	for_each_kernel_tracepoint(find_tracepoints, NULL);
	if (!map_exit_tp || !es_insert_tp) {
		pr_err("dax_probe: the ext4 tracepoints are missing\n");
		return -ENOENT;
	}
	ret = tracepoint_probe_register(map_exit_tp, ext4_map_exit_probe, NULL);
	if (ret)
		return ret;
	ret = tracepoint_probe_register(es_insert_tp, ext4_es_insert_probe, NULL);
	if (ret) {
		tracepoint_probe_unregister(map_exit_tp, ext4_map_exit_probe, NULL);
		tracepoint_synchronize_unregister();
		return ret;
	}
	probe_dir = debugfs_create_dir("dax_probe", NULL);
	debugfs_create_file("entries", 0600, probe_dir, NULL, &entries_fops);
	debugfs_create_file("ext4_convert", 0600, probe_dir, NULL,
			    &ext4_convert_fops);
	debugfs_create_file("ext4_convert_wait", 0400, probe_dir, NULL,
			    &ext4_convert_wait_fops);
	return 0;
}

static void __exit dax_probe_exit(void)
{
	debugfs_remove(probe_dir);
	tracepoint_probe_unregister(es_insert_tp, ext4_es_insert_probe, NULL);
	tracepoint_probe_unregister(map_exit_tp, ext4_map_exit_probe, NULL);
	tracepoint_synchronize_unregister();
}

module_init(dax_probe_init);
module_exit(dax_probe_exit);
MODULE_DESCRIPTION("Test-only hooks for the rust_dax tests");
MODULE_LICENSE("GPL");
