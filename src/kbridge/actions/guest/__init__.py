"""Running modules in real guest kernels (issue 6).

* :mod:`.image` -- Debian's linux-image-RELEASE-unsigned, fetched and cached
* :mod:`.initramfs` -- busybox + modules + /init, as a deterministic cpio
* :mod:`.qemu` -- the boot itself (TCG unless KVM is proven to work)
* :mod:`.runner` -- `kbridge run`: build, boot, load, test, verdict
* :mod:`.loadcheck` -- corpus load check against the unbridged baseline
* :mod:`.snapshot` -- what user space sees of a block or net driver, for
  differential tests between a driver on its own kernel and a bridged build
"""
