// SPDX-License-Identifier: GPL-2.0
/*
 * dax_client: a C user of the fault API of rust_dax.ko, for the tests.
 *
 * It exposes two preallocated files of a DAX filesystem as misc devices,
 * /dev/dax_client_fault and /dev/dax_client_locked, and serves the page
 * faults of their mappings with its own vm_operations_struct and its own
 * iomap_ops, built on bmap():
 *
 *  - dax_client_fault: the fault handler calls dax_fault();
 *  - dax_client_locked: the fault handler takes the client's rw-semaphore
 *    shared, calls __dax_fault() and completes a VM_FAULT_NEEDDSYNC with
 *    dax_finish_sync_fault() itself, like a filesystem with its own locks.
 *
 * The files are given at load (fault_file=, locked_file=); every block of
 * them must be allocated and written (not unwritten), since the block map
 * is read once with bmap() then.  Write faults report the extent with
 * IOMAP_F_DIRTY, so a write through a MAP_SYNC mapping always goes through
 * the synchronous completion.  Counters are in debugfs dax_client/<name>/.
 */

#include <linux/dax.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/iomap.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rwsem.h>
#include <linux/slab.h>

#include <rust_dax.h>

static char *fault_file;
module_param(fault_file, charp, 0444);
MODULE_PARM_DESC(fault_file, "DAX file whose faults dax_fault() serves");

static char *locked_file;
module_param(locked_file, charp, 0444);
MODULE_PARM_DESC(locked_file,
		 "DAX file whose faults __dax_fault() serves under the client's lock");

/**
 * struct client_file - a file exposed by the client
 * @misc: The misc device that maps the file
 * @backing: The file on the DAX filesystem
 * @dax_dev: The DAX device of its filesystem
 * @dax_off: Byte offset of the filesystem's block device in @dax_dev
 * @blocks: Block of every file block, from bmap()
 * @nr_blocks: Number of entries in @blocks
 * @locked: Whether faults use __dax_fault() under @sem
 * @sem: Taken shared by faults of a locked file
 * @faults: Fault handler calls
 * @sync_completed: dax_finish_sync_fault() calls made by the client
 * @iomap_begin: iomap_begin calls
 * @dir: The debugfs directory of the counters
 */
struct client_file {
	struct miscdevice misc;
	struct file *backing;
	struct dax_device *dax_dev;
	u64 dax_off;
	sector_t *blocks;
	pgoff_t nr_blocks;
	bool locked;
	struct rw_semaphore sem;
	atomic_t faults;
	atomic_t sync_completed;
	atomic_t iomap_begin;
	struct dentry *dir;
};

static struct client_file client_files[2];
static struct dentry *client_dir;

static struct client_file *client_of_inode(struct inode *inode)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(client_files); i++)
		if (client_files[i].backing &&
		    file_inode(client_files[i].backing) == inode)
			return &client_files[i];
	return NULL;
}

/*
 * Map [pos, pos + length) to the longest run of contiguous blocks starting
 * at pos, from the block map read with bmap() at load.
 */
static int client_iomap_begin(struct inode *inode, loff_t pos, loff_t length,
			      unsigned int flags, struct iomap *iomap,
			      struct iomap *srcmap)
{
	struct client_file *cf = client_of_inode(inode);
	unsigned int blkbits = inode->i_blkbits;
	pgoff_t first = pos >> blkbits, n = 1;

	if (!cf || first >= cf->nr_blocks)
		return -EIO;
	atomic_inc(&cf->iomap_begin);
	while (first + n < cf->nr_blocks && ((loff_t)n << blkbits) < length &&
	       cf->blocks[first + n] == cf->blocks[first] + n)
		n++;

	iomap->type = IOMAP_MAPPED;
	iomap->offset = (loff_t)first << blkbits;
	iomap->length = (u64)n << blkbits;
	iomap->addr = ((u64)cf->blocks[first] << blkbits) + cf->dax_off;
	iomap->bdev = inode->i_sb->s_bdev;
	iomap->dax_dev = cf->dax_dev;
	iomap->flags = (flags & IOMAP_WRITE) ? IOMAP_F_DIRTY : 0;
	return 0;
}

static const struct iomap_ops client_iomap_ops = {
	.iomap_begin = client_iomap_begin,
};

static vm_fault_t client_fault(struct vm_fault *vmf)
{
	struct client_file *cf = vmf->vma->vm_private_data;

	atomic_inc(&cf->faults);
	return dax_fault(vmf, 0, NULL, &client_iomap_ops);
}

static vm_fault_t client_locked_fault(struct vm_fault *vmf)
{
	struct client_file *cf = vmf->vma->vm_private_data;
	struct file *file = vmf->vma->vm_file;
	struct super_block *sb = file_inode(file)->i_sb;
	bool write = (vmf->flags & FAULT_FLAG_WRITE) &&
		     (vmf->vma->vm_flags & VM_SHARED);
	unsigned long pfn = 0;
	vm_fault_t ret;

	atomic_inc(&cf->faults);
	if (write) {
		sb_start_pagefault(sb);
		file_update_time(file);
	}
	down_read(&cf->sem);
	ret = __dax_fault(vmf, 0, &pfn, NULL, &client_iomap_ops);
	if (ret & VM_FAULT_NEEDDSYNC) {
		atomic_inc(&cf->sync_completed);
		ret = dax_finish_sync_fault(vmf, 0, pfn);
	}
	up_read(&cf->sem);
	if (write)
		sb_end_pagefault(sb);
	return ret;
}

/* A mapping holds the module: its vm_ops and vm_private_data are ours. */
static void client_vm_open(struct vm_area_struct *vma)
{
	__module_get(THIS_MODULE);
}

static void client_vm_close(struct vm_area_struct *vma)
{
	module_put(THIS_MODULE);
}

static const struct vm_operations_struct client_vm_ops = {
	.open = client_vm_open,
	.close = client_vm_close,
	.fault = client_fault,
	.page_mkwrite = client_fault,
	.pfn_mkwrite = client_fault,
};

static const struct vm_operations_struct client_locked_vm_ops = {
	.open = client_vm_open,
	.close = client_vm_close,
	.fault = client_locked_fault,
	.page_mkwrite = client_locked_fault,
	.pfn_mkwrite = client_locked_fault,
};

static int client_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct client_file *cf = container_of(file->private_data,
					      struct client_file, misc);

	/* The mapping is one of the backing file, faulted in by the client. */
	vma_set_file(vma, cf->backing);
	vma->vm_private_data = cf;
	vma->vm_ops = cf->locked ? &client_locked_vm_ops : &client_vm_ops;
	client_vm_open(vma);
	return 0;
}

static const struct file_operations client_fops = {
	.owner = THIS_MODULE,
	.mmap = client_mmap,
	.fop_flags = FOP_MMAP_SYNC,
};

static void client_file_release(struct client_file *cf)
{
	if (cf->misc.name)
		misc_deregister(&cf->misc);
	if (cf->dax_dev)
		fs_put_dax(cf->dax_dev, NULL);
	if (cf->backing)
		fput(cf->backing);
	kvfree(cf->blocks);
	memset(cf, 0, sizeof(*cf));
}

static int client_file_init(struct client_file *cf, const char *path,
			    const char *name, bool locked)
{
	struct inode *inode;
	pgoff_t i;
	int err;

	cf->backing = filp_open(path, O_RDWR | O_LARGEFILE, 0);
	if (IS_ERR(cf->backing)) {
		err = PTR_ERR(cf->backing);
		cf->backing = NULL;
		pr_err("%s: cannot open %s: %d\n", name, path, err);
		return err;
	}
	inode = file_inode(cf->backing);
	if (!IS_DAX(inode) || inode->i_blkbits != PAGE_SHIFT) {
		pr_err("%s: %s is not a DAX file with page-sized blocks\n",
		       name, path);
		err = -EINVAL;
		goto fail;
	}
	cf->nr_blocks = i_size_read(inode) >> PAGE_SHIFT;
	if (!cf->nr_blocks || i_size_read(inode) & ~PAGE_MASK) {
		pr_err("%s: %s: size not a nonzero multiple of a page\n",
		       name, path);
		err = -EINVAL;
		goto fail;
	}
	cf->blocks = kvcalloc(cf->nr_blocks, sizeof(*cf->blocks), GFP_KERNEL);
	if (!cf->blocks) {
		err = -ENOMEM;
		goto fail;
	}
	for (i = 0; i < cf->nr_blocks; i++) {
		sector_t block = i;

		err = bmap(inode, &block);
		if (!err && !block)
			err = -ENODATA;
		if (err) {
			pr_err("%s: %s: no block for block %lu: %d\n",
			       name, path, i, err);
			goto fail;
		}
		cf->blocks[i] = block;
	}
	cf->dax_dev = fs_dax_get_by_bdev(inode->i_sb->s_bdev, &cf->dax_off,
					 NULL, NULL);
	if (!cf->dax_dev) {
		err = -ENODEV;
		goto fail;
	}
	cf->locked = locked;
	init_rwsem(&cf->sem);
	cf->dir = debugfs_create_dir(name, client_dir);
	debugfs_create_atomic_t("faults", 0444, cf->dir, &cf->faults);
	debugfs_create_atomic_t("sync_completed", 0444, cf->dir,
				&cf->sync_completed);
	debugfs_create_atomic_t("iomap_begin", 0444, cf->dir,
				&cf->iomap_begin);
	cf->misc.minor = MISC_DYNAMIC_MINOR;
	cf->misc.name = name;
	cf->misc.fops = &client_fops;
	cf->misc.mode = 0600;
	err = misc_register(&cf->misc);
	if (err) {
		cf->misc.name = NULL;
		goto fail;
	}
	pr_info("%s: %s, %lu blocks\n", name, path, cf->nr_blocks);
	return 0;

fail:
	client_file_release(cf);
	return err;
}

static void dax_client_release(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(client_files); i++)
		client_file_release(&client_files[i]);
	debugfs_remove_recursive(client_dir);
}

static int __init dax_client_init(void)
{
	int err;

	if (!fault_file || !locked_file) {
		pr_err("fault_file= and locked_file= are required\n");
		return -EINVAL;
	}
	client_dir = debugfs_create_dir("dax_client", NULL);
	err = client_file_init(&client_files[0], fault_file,
			       "dax_client_fault", false);
	if (!err)
		err = client_file_init(&client_files[1], locked_file,
				       "dax_client_locked", true);
	if (err)
		dax_client_release();
	return err;
}

static void __exit dax_client_exit(void)
{
	dax_client_release();
}

module_init(dax_client_init);
module_exit(dax_client_exit);
MODULE_DESCRIPTION("A C user of the rust_dax fault API, for the tests");
MODULE_LICENSE("GPL");
