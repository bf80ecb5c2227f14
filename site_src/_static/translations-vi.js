// The search page's words that Sphinx's Vietnamese catalog leaves empty (an empty string is
// shown as it is: no heading, no summary). Loaded after Sphinx's translations.js on the vi site.
Object.assign(Documentation.TRANSLATIONS, {
  "Search Results": "Kết quả tìm kiếm",
  "Search Page": "Trang tìm kiếm",
  "Searching": "Đang tìm",
  "Preparing search...": "Đang chuẩn bị tìm kiếm…",
  "Search finished, found one page matching the search query.": ["Đã tìm xong: ${resultCount} trang khớp với từ khóa."],
  "Your search did not match any documents. Please make sure that all words are spelled correctly and that you've selected enough categories.":
    "Không có trang nào khớp với từ khóa. Hãy kiểm tra chính tả của từng từ.",
  "Searching for multiple words only shows matches that contain\n    all words.":
    "Khi tìm nhiều từ, chỉ những trang có đủ mọi từ mới được hiện.",
  "Hide Search Matches": "Ẩn các từ tìm thấy",
  "Quick search": "Tìm nhanh",
  "search": "tìm kiếm",
  "Index": "Chỉ mục",
  "Table of Contents": "Mục lục",
  "This Page": "Trang này",
  "Expand sidebar": "Mở rộng thanh bên",
  "Collapse sidebar": "Thu gọn thanh bên",
});
