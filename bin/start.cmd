@echo off
rem Sets up (when needed) and starts the show; arguments go to `dreams run` (bin\setup.py).
where py >nul 2>nul
if %errorlevel%==0 (py -3 "%~dp0setup.py" start %*) else (python "%~dp0setup.py" start %*)
exit /b %errorlevel%
