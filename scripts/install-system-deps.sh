#!/usr/bin/env bash
# Installs the system tools mispa's optional paths use, when missing:
# LibreOffice (legacy .doc/.rtf/.odt and the compendium's PDF), Tesseract with the
# four languages (scanned PDFs), poppler-utils (page rendering in tests), qpdf, and Debian's
# chromium + chromium-driver (the web interface's end-to-end tests; never a downloaded browser).
# Does nothing when everything is present or when not root (tests then skip those paths).
set -uo pipefail
need=()
command -v soffice   >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
for l in spa eng por fra; do
  [ -e "/usr/share/tesseract-ocr/5/tessdata/$l.traineddata" ] || need+=("tesseract-ocr-$l")
done
command -v pdftoppm  >/dev/null 2>&1 || need+=(poppler-utils)
command -v qpdf      >/dev/null 2>&1 || need+=(qpdf)
command -v chromium  >/dev/null 2>&1 || need+=(chromium)
[ -x /usr/bin/chromedriver ]          || need+=(chromium-driver)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "install-system-deps: not root; missing: ${need[*]} (tests that need them are skipped)" >&2
  exit 0
fi
echo "install-system-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
  || echo "install-system-deps: apt-get failed; tests that need ${need[*]} are skipped" >&2
exit 0
