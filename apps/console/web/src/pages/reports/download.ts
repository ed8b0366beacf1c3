// Files the reports hand over. The token travels in a header, so a plain link cannot fetch them: the page fetches
// the bytes itself and gives them to the browser as an object URL.

/** Saves the bytes under a file name, as a link with `download` would. */
export const saveBlob = (blob: Blob, fileName: string): void => {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  // The click has handed the URL to the download by now; revoking it later frees the bytes.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
};

/** Opens the bytes (a page, a PDF) in a new tab; the tab keeps the URL alive while it is open. */
export const openBlob = (blob: Blob): void => {
  const url = URL.createObjectURL(blob);
  window.open(url, '_blank', 'noopener');
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
};
