/*
 * boot/efi/file.c: read whole files from the loader's own partition.
 *
 * Through the Simple File System protocol of the device the loader was
 * loaded from (UEFI specification, "File Protocol"). Reads go in chunks
 * of 1 MiB: some firmware mishandles one huge Read().
 */
#include "loader.h"

#define READ_CHUNK  (1024 * 1024)

void file_path16(CHAR16 *out, UINTN out_len, const char *path)
{
    UINTN o = 0;
    if (path[0] != '/' && path[0] != '\\')
        out[o++] = L'\\';
    for (UINTN i = 0; path[i] && o + 1 < out_len; i++)
        out[o++] = path[i] == '/' ? L'\\' : (CHAR16)(unsigned char)path[i];
    out[o] = L'\0';
}

/* Where the contents go: pool memory, or pages below 4 GiB that stay
 * Tern's after the handoff (modules). */
static void *file_alloc(UINTN size, BOOLEAN below_4g)
{
    if (!below_4g)
        return AllocatePool(size ? size : 1);
    EFI_PHYSICAL_ADDRESS pa = BELOW_4G;
    UINTN pages = EFI_SIZE_TO_PAGES(size) ? EFI_SIZE_TO_PAGES(size) : 1;
    if (EFI_ERROR(BS->AllocatePages(AllocateMaxAddress, EfiLoaderData, pages, &pa)))
        return NULL;
    return (void *)(UINTN)pa;
}

static void file_free(void *p, UINTN size, BOOLEAN below_4g)
{
    if (!below_4g) {
        FreePool(p);
        return;
    }
    UINTN pages = EFI_SIZE_TO_PAGES(size) ? EFI_SIZE_TO_PAGES(size) : 1;
    BS->FreePages((EFI_PHYSICAL_ADDRESS)(UINTN)p, pages);
}

EFI_STATUS file_read(EFI_FILE_HANDLE root, const char *path, BOOLEAN below_4g,
                     void **buf, UINTN *size)
{
    CHAR16 path16[CONFIG_PATH_MAX + 2];
    EFI_FILE_HANDLE f;
    EFI_STATUS rc;

    file_path16(path16, ARRAY_SIZE(path16), path);
    rc = root->Open(root, &f, path16, EFI_FILE_MODE_READ, 0);
    if (EFI_ERROR(rc))
        return rc;

    EFI_FILE_INFO *info = LibFileInfo(f);
    rc = EFI_DEVICE_ERROR;
    if (!info)
        goto out_close;
    UINTN n = info->FileSize;
    BOOLEAN is_dir = (info->Attribute & EFI_FILE_DIRECTORY) != 0;
    FreePool(info);
    rc = EFI_INVALID_PARAMETER;
    if (is_dir)
        goto out_close;

    UINT8 *p = file_alloc(n, below_4g);
    rc = EFI_OUT_OF_RESOURCES;
    if (!p)
        goto out_close;
    for (UINTN done = 0; done < n;) {
        UINTN chunk = MIN(n - done, (UINTN)READ_CHUNK);
        rc = f->Read(f, &chunk, p + done);
        if (!EFI_ERROR(rc) && chunk == 0)
            rc = EFI_END_OF_FILE;       /* shorter than its directory entry */
        if (EFI_ERROR(rc))
            goto err_free;
        done += chunk;
    }
    *buf = p;
    *size = n;
    rc = EFI_SUCCESS;
    goto out_close;

err_free:
    file_free(p, n, below_4g);
out_close:
    f->Close(f);
    return rc;
}
