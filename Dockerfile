# The assistant as an image: the wheel (package, widget, templates, demo flows) on python:3.11-slim, served by
# gunicorn with the production settings (assistant.gunicorn_conf), as a user that is not root.
#   docker build -t assistant .        compose.yaml runs two of these behind nginx with PostgreSQL and Redis
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY assistant ./assistant
COPY static ./static
COPY templates ./templates
COPY flows ./flows
COPY surveys ./surveys
COPY rules ./rules
COPY translations ./translations
# every dependency pinned as in development (constraints.txt), built once into wheels
RUN pip wheel --no-cache-dir -c constraints.txt --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --system --create-home --uid 10001 assistant \
    && mkdir -p /data/models && chown assistant /data/models
COPY --from=build /wheels /wheels
COPY constraints.txt /tmp/constraints.txt
RUN pip install --no-cache-dir -c /tmp/constraints.txt /wheels/*.whl && rm -rf /wheels /tmp/constraints.txt
USER assistant
WORKDIR /home/assistant
# SECRET_KEY, DATABASE_URL and the rest come from the environment at run time, never from the image
ENV ASSISTANT_ENV=production ASSISTANT_MODELS=/data/models PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["gunicorn", "-c", "python:assistant.gunicorn_conf", "-w", "4", "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", "assistant.app:create_app()"]
