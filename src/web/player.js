// The player's pages: times in the reader's zone. (Forms and live updates build on this.)
for (const time of document.querySelectorAll('time[datetime]')) {
  const at = new Date(time.getAttribute('datetime'));
  if (!Number.isNaN(at.getTime())) time.textContent = at.toLocaleString();
}
