#!/usr/bin/env bash
# Debian packages vanban uses: Tesseract OCR with Vietnamese (scanned PDFs); Chromium and LibreOffice
# when asked (VANBAN_WITH_BROWSER=1, VANBAN_WITH_LIBREOFFICE=1; CI does). Installed with apt-get
# when running as root; otherwise a note says what to install (OCR pages then become error rows).
set -euo pipefail
need=()
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
if ! tesseract --list-langs 2>/dev/null | grep -qx vie; then need+=(tesseract-ocr-vie); fi
if [ "${VANBAN_WITH_BROWSER:-0}" = "1" ] && ! command -v chromium >/dev/null 2>&1; then need+=(chromium); fi
# .doc input goes through LibreOffice; CI installs it so the .doc test runs
if [ "${VANBAN_WITH_LIBREOFFICE:-0}" = "1" ] && ! command -v soffice >/dev/null 2>&1; then need+=(libreoffice-writer-nogui); fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "note: missing Debian packages ${need[*]} (run: sudo apt-get install ${need[*]}); OCR pages will be recorded as errors" >&2
fi
